/** What a museum visitor might ask an avatar: the spoken questions the STT and voice benchmarks share. */
export const SPOKEN_QUESTIONS = [
  'Hello, what is your name?',
  'When does the museum open?',
  'Where are the impressionist paintings?',
  'How much is a ticket for a child?',
  'Can I take photos inside?',
  'Is there a cafe on the second floor?',
  'What is the most famous painting here?',
  'Tell me about the artist.',
  'How long does the tour take?',
  'Where can I leave my coat?',
  'Do you have an audio guide in French?',
  'What time does the shop close?',
  'Is the museum open on Mondays?',
  'Can you recommend a short route?',
  'Who painted the water lilies?',
  'Where is the nearest exit?',
  'Are dogs allowed in the garden?',
  'How old is this building?',
  'Thank you, that was very helpful.',
  'Goodbye, see you next time.',
] as const;

/** The espeak-ng voices that ask them, in turn. */
export const ESPEAK_VOICES = ['en-us', 'en-gb', 'en-us+f3'] as const;
