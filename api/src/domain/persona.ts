import { z } from 'zod';
import { personaToolsRule } from './tools';

/** Rig profiles the viseme service knows; decides which viseme names a client receives. */
export const AVATAR_RIGS = ['arkit', 'oculus', 'azure'] as const;

export const CONVERSATION_MODES = ['cascade', 'agent'] as const;
export const AGENT_PROVIDERS = ['openai-realtime', 'gemini-live'] as const;
export const TURN_DETECTIONS = ['ours', 'provider'] as const;
export type AgentProviderName = (typeof AGENT_PROVIDERS)[number];

export const PERSONA_CAPABILITIES = ['speech', 'visemes', 'blendshapes', 'gestures', 'memory'] as const;

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'use lowercase letters, digits and underscores (max 32)');

/** Validation rules for persona fields; the GraphQL inputs and the console share them through typed errors. */
export const personaFieldRules = {
  name: z.string().trim().min(1, 'required').max(80),
  description: z.string().max(2000),
  systemPrompt: z.string().trim().min(1, 'required').max(8000),
  greeting: z.string().trim().min(1, 'required').max(500),
  safeFallback: z.string().trim().min(1, 'required').max(500),
  failureLine: z.string().trim().min(1, 'required').max(500),
  voice: z.string().regex(/^[A-Za-z0-9_+.-]{1,64}$/, 'not a voice name'),
  provider: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'not a provider name'),
  llmModel: z.string().min(1).max(120),
  avatarRig: z.enum(AVATAR_RIGS),
  visemeMap: z.record(z.string().min(1).max(16), z.string().min(1).max(64)),
  gestureLibrary: z.array(identifier).max(64),
  defaultEmotion: identifier,
  capabilities: z.array(z.enum(PERSONA_CAPABILITIES)),
  conversationMode: z.enum(CONVERSATION_MODES),
  agentProvider: z.enum(AGENT_PROVIDERS),
  agentModel: z.string().min(1).max(120),
  agentVoice: z.string().regex(/^[A-Za-z0-9_+.-]{1,64}$/, 'not a voice name'),
  turnDetection: z.enum(TURN_DETECTIONS),
  tools: personaToolsRule,
} as const;
