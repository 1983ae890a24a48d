-- AlterTable
ALTER TABLE "Persona" ADD COLUMN     "agentModel" TEXT,
ADD COLUMN     "agentProvider" TEXT,
ADD COLUMN     "agentVoice" TEXT,
ADD COLUMN     "conversationMode" TEXT NOT NULL DEFAULT 'cascade',
ADD COLUMN     "tools" JSONB NOT NULL DEFAULT '[]';
