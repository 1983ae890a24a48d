import { Create, type RaRecord, useNotify, useRedirect } from 'react-admin';
import { clearDraft, draftKey } from '../auth/FormDraft';
import { PersonaForm } from './PersonaForm';

const DEFAULTS = {
  avatarRig: 'arkit',
  capabilities: ['speech', 'visemes', 'blendshapes', 'gestures'],
  visemeMap: {},
};

export function PersonaCreate() {
  const key = draftKey('personas');
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create
      record={DEFAULTS}
      mutationOptions={{
        // Replaces react-admin's default success handling, so it notifies and redirects itself. A 401 also
        // lands here, with no record (react-admin resolves calls that logged the admin out): keep the draft.
        onSuccess: (data: RaRecord) => {
          if (!data?.id) return;
          clearDraft(key);
          notify('ra.notification.created', { type: 'info', messageArgs: { smart_count: 1 } });
          redirect('edit', 'personas', data.id);
        },
      }}
    >
      <PersonaForm draftKey={key} />
    </Create>
  );
}
