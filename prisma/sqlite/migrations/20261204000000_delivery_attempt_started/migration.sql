-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "attemptStartedAt" DATETIME;
