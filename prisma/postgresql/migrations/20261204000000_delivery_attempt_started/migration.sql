-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "attemptStartedAt" TIMESTAMP(3);
