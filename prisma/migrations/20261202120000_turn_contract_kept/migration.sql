-- AlterTable
ALTER TABLE "Turn" ADD COLUMN     "contractKept" BOOLEAN;
