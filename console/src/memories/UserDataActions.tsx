import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import DownloadIcon from '@mui/icons-material/Download';
import { Button } from '@mui/material';
import { useState } from 'react';
import { Confirm, TopToolbar, useListContext, useNotify, useRefresh } from 'react-admin';
import { request } from '../api/client';
import type { PrivacyRequestFieldsFragment } from '../gql/graphql';
import { downloadUrl } from '../sessions/log';
import { PrivacyRequestQuery, RequestDataDeletionMutation, RequestDataExportMutation } from './operations';

/** Privacy requests run as durable workflows: poll until the request completes or fails. */
async function settle(
  started: PrivacyRequestFieldsFragment,
  timeoutMs = 120_000,
): Promise<PrivacyRequestFieldsFragment> {
  let current = started;
  const deadline = Date.now() + timeoutMs;
  while (current.status === 'PENDING' || current.status === 'RUNNING') {
    if (Date.now() > deadline) throw new Error('The request is still running; check again later');
    await new Promise((resolve) => setTimeout(resolve, 500));
    current = (await request(PrivacyRequestQuery, { id: current.id })).privacyRequest;
  }
  if (current.status === 'FAILED') throw new Error(current.error ?? 'The request failed');
  return current;
}

/** Export (NDJSON download) and delete-with-confirmation of everything stored about the selected user. */
export function UserDataActions() {
  const { filterValues } = useListContext();
  const notify = useNotify();
  const refresh = useRefresh();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'export' | 'delete' | null>(null);
  const userId = filterValues.userId as string | undefined;

  const exportData = async () => {
    if (!userId) return;
    setBusy('export');
    try {
      const { requestDataExport } = await request(RequestDataExportMutation, { userId });
      const done = await settle(requestDataExport);
      if (!done.download) throw new Error('The export has no document to download');
      downloadUrl(done.download.url, `user-${userId}-export.ndjson`);
      notify('User data exported', { type: 'success' });
    } catch (err) {
      notify(`Export failed: ${(err as Error).message}`, { type: 'error' });
    } finally {
      setBusy(null);
    }
  };

  const deleteData = async () => {
    if (!userId) return;
    setConfirming(false);
    setBusy('delete');
    try {
      const { requestDataDeletion } = await request(RequestDataDeletionMutation, { userId });
      await settle(requestDataDeletion);
      notify("The user's data was deleted", { type: 'success' });
      refresh();
    } catch (err) {
      notify(`Deletion failed: ${(err as Error).message}`, { type: 'error' });
    } finally {
      setBusy(null);
    }
  };

  return (
    <TopToolbar>
      <Button startIcon={<DownloadIcon />} disabled={!userId || busy !== null} onClick={exportData}>
        {busy === 'export' ? 'Exporting…' : 'Export user data'}
      </Button>
      <Button
        color="error"
        startIcon={<DeleteForeverIcon />}
        disabled={!userId || busy !== null}
        onClick={() => setConfirming(true)}
      >
        {busy === 'delete' ? 'Deleting…' : 'Delete user data'}
      </Button>
      <Confirm
        isOpen={confirming}
        title="Delete all of this user's data?"
        content="Their memories, sessions, turns and event logs are deleted for good. The account stays."
        confirm="Delete everything"
        onConfirm={deleteData}
        onClose={() => setConfirming(false)}
      />
    </TopToolbar>
  );
}
