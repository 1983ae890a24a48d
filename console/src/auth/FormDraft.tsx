import { Alert, Button } from '@mui/material';
import { useEffect, useState } from 'react';
import { useFormContext } from 'react-hook-form';

const PREFIX = 'avatar-console.draft:';

export function draftKey(resource: string, id?: string | number): string {
  return `${PREFIX}${resource}:${id ?? 'new'}`;
}

export function clearDraft(key: string): void {
  sessionStorage.removeItem(key);
}

/**
 * Keeps the form's unsaved values in sessionStorage, so an expired token that sends the admin to sign-in does
 * not lose their work: the form comes back with the draft restored. Saving (or discarding) clears it.
 */
export function FormDraft({ storageKey }: { storageKey: string }) {
  const { watch, reset, getValues, setValue } = useFormContext();
  const [restored, setRestored] = useState(false);

  useEffect(() => {
    const saved = sessionStorage.getItem(storageKey);
    if (!saved) return;
    // react-admin resets the form to the record in its own (parent) effect, which runs after this one:
    // apply the draft on the next tick so it lands on top of the record instead of under it.
    const timer = setTimeout(() => {
      try {
        // Field by field and marked dirty, so the record stays the baseline and the save button is enabled.
        for (const [name, value] of Object.entries(JSON.parse(saved) as Record<string, unknown>)) {
          if (JSON.stringify(getValues(name)) !== JSON.stringify(value))
            setValue(name, value, { shouldDirty: true });
        }
        setRestored(true);
      } catch {
        clearDraft(storageKey);
      }
    }, 0);
    return () => clearTimeout(timer);
  }, [storageKey, getValues, setValue]);

  useEffect(() => {
    // Only edits by the admin carry a field name; resets (record loaded, draft restored) do not and are skipped.
    const subscription = watch((values, { name }) => {
      if (name) sessionStorage.setItem(storageKey, JSON.stringify(values));
    });
    return () => subscription.unsubscribe();
  }, [watch, storageKey]);

  if (!restored) return null;
  return (
    <Alert
      severity="info"
      sx={{ mb: 2, width: '100%' }}
      action={
        <Button
          color="inherit"
          size="small"
          onClick={() => {
            clearDraft(storageKey);
            reset();
            setRestored(false);
          }}
        >
          Discard
        </Button>
      }
    >
      Restored your unsaved changes.
    </Alert>
  );
}
