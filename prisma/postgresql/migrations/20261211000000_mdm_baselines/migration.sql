-- AlterTable
ALTER TABLE "ResetRequest" ADD COLUMN     "mdmBaselines" TEXT;
