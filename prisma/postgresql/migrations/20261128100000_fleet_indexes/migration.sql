-- CreateIndex
CREATE INDEX "ResetRequest_state_passcodeCipher_idx" ON "ResetRequest"("state", "passcodeCipher");

-- CreateIndex
CREATE INDEX "Delivery_status_redactAt_idx" ON "Delivery"("status", "redactAt");
