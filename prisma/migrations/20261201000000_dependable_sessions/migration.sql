-- AlterTable
ALTER TABLE "Persona" ADD COLUMN     "failureLine" TEXT NOT NULL DEFAULT 'Sorry, I can''t answer that right now. Could you say it again?';

-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "lastActivityAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Turn" ADD COLUMN     "failed" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "PrivacyExportPart" (
    "requestId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "content" TEXT NOT NULL,

    CONSTRAINT "PrivacyExportPart_pkey" PRIMARY KEY ("requestId","seq")
);

-- AddForeignKey
ALTER TABLE "PrivacyExportPart" ADD CONSTRAINT "PrivacyExportPart_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "PrivacyRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;
