import type { ReactNode } from 'react';
import {
  CheckboxGroupInput,
  required,
  SelectInput,
  SimpleForm,
  TextArrayInput,
  TextInput,
} from 'react-admin';
import { PERSONA_CAPABILITIES } from '../../../api/src/domain/persona';
import { FormDraft } from '../auth/FormDraft';
import { VisemeMapInput } from './VisemeMapInput';

export const AVATAR_RIGS = [
  { id: 'arkit', name: 'ARKit (52 blendshapes)' },
  { id: 'oculus', name: 'Oculus (15 visemes)' },
  { id: 'azure', name: 'Azure (22 visemes)' },
];

const CAPABILITIES = PERSONA_CAPABILITIES.map((id) => ({ id, name: id }));

/**
 * Every persona field. Client-side checks stay minimal on purpose: the API's typed errors are the rules,
 * and the data provider puts them next to the field they name.
 */
export function PersonaForm({ draftKey, toolbar }: { draftKey: string; toolbar?: ReactNode }) {
  return (
    <SimpleForm toolbar={toolbar as never} sx={{ maxWidth: 900 }}>
      <FormDraft storageKey={draftKey} />
      <TextInput source="name" validate={required()} fullWidth />
      <TextInput source="description" multiline fullWidth />
      <TextInput
        source="systemPrompt"
        label="System prompt"
        validate={required()}
        multiline
        minRows={4}
        fullWidth
      />
      <TextInput
        source="greeting"
        helperText="Said when a client opens a session with greet (the try-it panel does)"
        fullWidth
      />
      <TextInput
        source="safeFallback"
        label="Safe fallback (spoken when moderation replaces an answer)"
        fullWidth
      />
      <TextInput source="failureLine" label="Failure line (spoken when no provider can answer)" fullWidth />
      <TextInput source="voice" />
      <TextInput
        source="ttsProvider"
        label="TTS provider"
        helperText="e.g. espeak, openai; empty = default chain"
      />
      <TextInput source="sttProvider" label="STT provider" />
      <TextInput source="llmProvider" label="LLM provider" />
      <TextInput source="llmModel" label="LLM model" helperText="Sent to the preferred LLM provider" />
      <SelectInput source="avatarRig" label="Avatar rig" choices={AVATAR_RIGS} />
      <VisemeMapInput source="visemeMap" label="Viseme-map overrides (viseme → rig target)" />
      <TextArrayInput
        source="gestureLibrary"
        label="Gesture library"
        helperText="Gesture names the model may use"
      />
      <TextInput source="defaultEmotion" label="Default emotion" />
      <CheckboxGroupInput
        source="capabilities"
        choices={CAPABILITIES}
        helperText="Without speech the persona answers in text only; without memory it recalls nothing"
      />
    </SimpleForm>
  );
}
