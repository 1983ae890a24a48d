import { graphql } from '../gql';

export const PlatformActivityQuery = graphql(`
  query ConsolePlatformActivity {
    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }
  }
`);
