import type { ReactNode } from 'react';
import {
  CheckboxGroupInput,
  required,
  SelectInput,
  SimpleForm,
  TextArrayInput,
  TextInput,
} from 'react-admin';
import {
  AGENT_PROVIDERS,
  CONVERSATION_MODES,
  PERSONA_CAPABILITIES,
  TURN_DETECTIONS,
} from '../../../api/src/domain/persona';
import { FormDraft } from '../auth/FormDraft';
import { VisemeMapInput } from './VisemeMapInput';

export const AVATAR_RIGS = [
  { id: 'arkit', name: 'ARKit (52 blendshapes)' },
  { id: 'oculus', name: 'Oculus (15 visemes)' },
  { id: 'azure', name: 'Azure (22 visemes)' },
];

const choices = (ids: readonly string[]) => ids.map((id) => ({ id, name: id }));

/** The tools as JSON text; what does not parse is sent as text, and the API's typed error lands on the field. */
const toolsText = {
  format: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? [], null, 2)),
  parse: (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  },
};

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
        choices={choices(PERSONA_CAPABILITIES)}
        helperText="Without speech the persona answers in text only; without memory it recalls nothing"
      />
      <SelectInput
        source="conversationMode"
        label="Conversation mode"
        choices={choices(CONVERSATION_MODES)}
        helperText="agent: a speech-to-speech agent answers (the cascade takes over when it fails)"
      />
      <SelectInput source="agentProvider" label="Agent provider" choices={choices(AGENT_PROVIDERS)} />
      <TextInput source="agentModel" label="Agent model" helperText="empty = the configured default" />
      <TextInput source="agentVoice" label="Agent voice" helperText="the provider's voice name" />
      <SelectInput
        source="turnDetection"
        label="Turn detection (agent mode)"
        choices={choices(TURN_DETECTIONS)}
        helperText="ours: Silero VAD and end of turn; provider: the agent's own VAD hears the audio"
      />
      <TextInput
        source="tools"
        label="Tools (JSON)"
        multiline
        minRows={3}
        fullWidth
        {...toolsText}
        helperText='e.g. [{"builtin":"current_time"}, {"name":"weather","description":"…","parameters":{"type":"object"},"url":"https://…"}]'
      />
    </SimpleForm>
  );
}
