-- AlterTable
ALTER TABLE "Persona" ADD COLUMN     "turnDetection" TEXT NOT NULL DEFAULT 'ours';
