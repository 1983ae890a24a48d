import { type PlatformActivity, platformActivity } from '../../db/activity';
import { builder } from '../builder';

const PlatformActivityRef = builder.objectRef<PlatformActivity>('PlatformActivity').implement({
  description: "What the platform is doing now, across every node (the console's live panel).",
  fields: (t) => ({
    liveSessions: t.exposeInt('liveSessions'),
    turnsPerMinute: t.exposeInt('turnsPerMinute', { description: 'User turns taken in the last minute.' }),
    firstAudioP95Ms: t.exposeInt('firstAudioP95Ms', {
      nullable: true,
      description: "p95 from the end of the user's turn to the first audio, over the window's answers.",
    }),
    answersInWindow: t.exposeInt('answersInWindow'),
    windowMinutes: t.exposeInt('windowMinutes'),
  }),
});

builder.queryFields((t) => ({
  platformActivity: t.field({
    type: PlatformActivityRef,
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => platformActivity(ctx.services.db),
  }),
}));
