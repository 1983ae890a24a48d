import { TextField as MuiTextField } from '@mui/material';
import { useState } from 'react';
import {
  AutocompleteInput,
  BulkDeleteButton,
  ChipField,
  Datagrid,
  DateField,
  DeleteButton,
  FunctionField,
  List,
  ReferenceInput,
  SearchInput,
  TextField,
  useNotify,
  useRecordContext,
  useUpdate,
} from 'react-admin';
import { UserDataActions } from './UserDataActions';

/** Importance edited in place: Enter or leaving the field saves it. */
function ImportanceInput() {
  const record = useRecordContext<{ id: string; importance: number }>();
  const [value, setValue] = useState(String(record?.importance ?? ''));
  const [update, { isPending }] = useUpdate();
  const notify = useNotify();
  if (!record) return null;
  const save = () => {
    const importance = Number(value);
    if (value === '' || importance === record.importance) return;
    update(
      'memories',
      { id: record.id, data: { importance }, previousData: record },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => notify('Importance saved', { type: 'success' }),
        onError: (err) => {
          setValue(String(record.importance));
          notify((err as Error).message, { type: 'error' });
        },
      },
    );
  };
  return (
    <MuiTextField
      size="small"
      type="number"
      value={value}
      disabled={isPending}
      slotProps={{ htmlInput: { step: 0.1, min: 0, max: 1, 'aria-label': 'Importance' } }}
      sx={{ width: 90 }}
      onClick={(e) => e.stopPropagation()}
      onChange={(e) => setValue(e.target.value)}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === 'Enter') save();
      }}
    />
  );
}

const filters = [
  <ReferenceInput key="user" source="userId" reference="users" alwaysOn>
    <AutocompleteInput label="User" optionText="username" filterToQuery={(q) => ({ q })} />
  </ReferenceInput>,
  <SearchInput key="q" source="q" alwaysOn />,
];

export function MemoryList() {
  return (
    <List filters={filters} actions={<UserDataActions />} perPage={25} empty={false} title="Memories">
      <Datagrid rowClick={false} bulkActionButtons={<BulkDeleteButton mutationMode="pessimistic" />}>
        <TextField source="text" />
        <ChipField source="kind" />
        <FunctionField label="Importance" render={() => <ImportanceInput />} />
        <TextField source="persona.name" label="Persona" />
        <DateField source="createdAt" showTime />
        <DeleteButton mutationMode="pessimistic" />
      </Datagrid>
    </List>
  );
}
