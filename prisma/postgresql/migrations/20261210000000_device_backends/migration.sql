-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "backend" TEXT NOT NULL DEFAULT 'agent',
ADD COLUMN     "mdmDeviceType" TEXT,
ADD COLUMN     "mdmEnrollmentType" TEXT,
ADD COLUMN     "mdmLastSyncAt" TIMESTAMP(3),
ADD COLUMN     "mdmOwnership" TEXT,
ADD COLUMN     "retiredAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Device_backend_retiredAt_id_idx" ON "Device"("backend", "retiredAt", "id");
