-- CreateIndex
CREATE INDEX "Turn_role_createdAt_idx" ON "Turn"("role", "createdAt");
