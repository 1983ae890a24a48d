-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "ownerFence" INTEGER NOT NULL DEFAULT 0;
