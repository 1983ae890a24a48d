import {
  ArrayInput,
  AutocompleteInput,
  BooleanInput,
  Create,
  Edit,
  ReferenceInput,
  required,
  SelectInput,
  SimpleForm,
  SimpleFormIterator,
  TextArrayInput,
  TextInput,
} from 'react-admin';

export const MODERATION_ACTIONS = [
  { id: 'REPLACE', name: 'Replace with the safe fallback and queue for review' },
  { id: 'FLAG', name: 'Let it through and queue for review' },
];

function PolicyForm() {
  return (
    <SimpleForm sx={{ maxWidth: 900 }}>
      <TextInput source="name" validate={required()} fullWidth />
      <BooleanInput source="enabled" />
      <SelectInput source="action" choices={MODERATION_ACTIONS} validate={required()} />
      <ReferenceInput source="personaId" reference="personas">
        <AutocompleteInput
          label="Persona (empty: every persona)"
          optionText="name"
          filterToQuery={(q) => ({ q })}
        />
      </ReferenceInput>
      <TextArrayInput source="blockTerms" label="Block terms" helperText="Always moderated" fullWidth />
      <TextArrayInput
        source="allowTerms"
        label="Allow terms"
        helperText="Never moderated, even inside a category"
        fullWidth
      />
      <ArrayInput source="categories">
        <SimpleFormIterator inline>
          <TextInput source="name" label="Category" validate={required()} />
          <TextArrayInput source="terms" label="Terms" sx={{ minWidth: 320 }} />
          <SelectInput source="action" choices={MODERATION_ACTIONS} defaultValue="REPLACE" />
        </SimpleFormIterator>
      </ArrayInput>
    </SimpleForm>
  );
}

export function PolicyCreate() {
  return (
    <Create
      redirect="list"
      record={{ enabled: true, action: 'REPLACE', categories: [], blockTerms: [], allowTerms: [] }}
    >
      <PolicyForm />
    </Create>
  );
}

export function PolicyEdit() {
  return (
    <Edit mutationMode="pessimistic">
      <PolicyForm />
    </Edit>
  );
}
