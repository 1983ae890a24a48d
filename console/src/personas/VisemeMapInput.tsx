import AddIcon from '@mui/icons-material/Add';
import DeleteIcon from '@mui/icons-material/Delete';
import { Box, Button, FormHelperText, IconButton, TextField, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useInput } from 'react-admin';

type Row = { key: string; value: string };

const toRows = (map: unknown): Row[] =>
  map && typeof map === 'object'
    ? Object.entries(map as Record<string, unknown>).map(([key, value]) => ({ key, value: String(value) }))
    : [];

const toMap = (rows: Row[]) =>
  Object.fromEntries(rows.filter((r) => r.key.trim()).map((r) => [r.key.trim(), r.value]));

/** Key → value editor for the viseme-map overrides (a JSON object of viseme name → rig target). */
export function VisemeMapInput({ source, label }: { source: string; label: string }) {
  const { field, fieldState } = useInput({ source, defaultValue: {} });
  const [rows, setRows] = useState<Row[]>(() => toRows(field.value));

  // Follow outside changes (record loaded, draft restored) without clobbering rows being typed.
  useEffect(() => {
    if (JSON.stringify(toMap(rows)) !== JSON.stringify(field.value ?? {})) setRows(toRows(field.value));
  }, [field.value]);

  const update = (next: Row[]) => {
    setRows(next);
    field.onChange(toMap(next));
  };

  return (
    <Box sx={{ mb: 2 }} data-testid="viseme-map-input">
      <Typography variant="subtitle2">{label}</Typography>
      {rows.map((row, i) => (
        <Box key={i} sx={{ display: 'flex', gap: 1, alignItems: 'center', mb: 1 }}>
          <TextField
            size="small"
            label="Viseme"
            value={row.key}
            onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))}
          />
          <TextField
            size="small"
            label="Rig target"
            value={row.value}
            onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))}
          />
          <IconButton aria-label="Remove override" onClick={() => update(rows.filter((_, j) => j !== i))}>
            <DeleteIcon fontSize="small" />
          </IconButton>
        </Box>
      ))}
      <Button size="small" startIcon={<AddIcon />} onClick={() => update([...rows, { key: '', value: '' }])}>
        Add override
      </Button>
      {fieldState.error?.message ? <FormHelperText error>{fieldState.error.message}</FormHelperText> : null}
    </Box>
  );
}
