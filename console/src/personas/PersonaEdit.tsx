import { Box } from '@mui/material';
import { Edit, type RaRecord, useNotify, useRecordContext } from 'react-admin';
import { useParams } from 'react-router-dom';
import { clearDraft, draftKey } from '../auth/FormDraft';
import { PersonaForm } from './PersonaForm';
import { TryItPanel } from './TryItPanel';

function TryIt() {
  const record = useRecordContext<{ id: string; archivedAt?: string | null }>();
  return record && !record.archivedAt ? <TryItPanel personaId={record.id} /> : null;
}

export function PersonaEdit() {
  const { id } = useParams();
  const key = draftKey('personas', id);
  const notify = useNotify();
  return (
    // Pessimistic: the API's validation errors must come back to the form before it closes.
    <Edit
      mutationMode="pessimistic"
      redirect={false}
      mutationOptions={{
        // Replaces react-admin's default success handling, so it notifies itself. A 401 also lands here, with
        // no record (react-admin resolves calls that logged the admin out), and must keep the draft.
        onSuccess: (data: RaRecord) => {
          if (!data?.id) return;
          clearDraft(key);
          notify('ra.notification.updated', { type: 'info', messageArgs: { smart_count: 1 } });
        },
      }}
    >
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <Box sx={{ flex: 2, minWidth: 420 }}>
          <PersonaForm draftKey={key} />
        </Box>
        <Box sx={{ flex: 1, minWidth: 320, p: 2 }}>
          <TryIt />
        </Box>
      </Box>
    </Edit>
  );
}
