-- AlterTable
-- Written as ADD COLUMN rather than the table rebuild `prisma migrate diff` proposes: SQLite adds
-- a NOT NULL column with a constant default in place, and a rebuild of "Device" inside the
-- migrator's transaction could not turn foreign keys off (requests and passcode history refer to it).
ALTER TABLE "Device" ADD COLUMN "backend" TEXT NOT NULL DEFAULT 'agent';
ALTER TABLE "Device" ADD COLUMN "mdmEnrollmentType" TEXT;
ALTER TABLE "Device" ADD COLUMN "mdmDeviceType" TEXT;
ALTER TABLE "Device" ADD COLUMN "mdmOwnership" TEXT;
ALTER TABLE "Device" ADD COLUMN "mdmLastSyncAt" DATETIME;
ALTER TABLE "Device" ADD COLUMN "retiredAt" DATETIME;

-- CreateIndex
CREATE INDEX "Device_backend_retiredAt_id_idx" ON "Device"("backend", "retiredAt", "id");
