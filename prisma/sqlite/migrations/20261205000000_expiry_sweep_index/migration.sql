-- CreateIndex
CREATE INDEX "ResetRequest_state_expiresAt_idx" ON "ResetRequest"("state", "expiresAt");
