/**
 * Neutral tasks for `--placement instructions`: ordinary requests a person might send, with no formatting or
 * length demands of their own, so that the only instructions in play are the ones placed in the person's
 * "how to respond" layer.
 */
import { seededRandom } from '../../core/seeded-random.js';

export const NEUTRAL_TASKS: readonly string[] = [
  'Explain how a refrigerator keeps food cold.',
  'Describe a good morning routine for someone who works from home.',
  'What should I consider when choosing a laptop for programming?',
  'Tell me about the history of the bicycle.',
  'How do vaccines train the immune system?',
  'Suggest a plan for a rainy Saturday with two children.',
  'Why do leaves change colour in autumn?',
  'Give me advice on preparing for a job interview.',
  'Describe how a bill becomes a law in a parliamentary democracy.',
  'What are the benefits of learning a second language?',
  'Explain what a database index is and why it helps.',
  'Write a short welcome message for new members of a hiking club.',
  'How does compound interest work?',
  'Describe the water cycle.',
  'What makes a good team meeting?',
  'Explain the difference between weather and climate.',
  'Summarise the main ideas of the theory of evolution.',
  'Give tips for keeping houseplants healthy.',
  'How do airplanes stay in the air?',
  'Describe a memorable meal in a small coastal town.',
  'What should a beginner know before running a first marathon?',
  'Explain how public-key cryptography protects a message.',
  'Write a note thanking a colleague for their help on a project.',
  'Why is sleep important for learning?',
  'Describe how coffee goes from the farm to the cup.',
  'What are the pros and cons of working in an open-plan office?',
  'Explain what inflation is to a teenager.',
  'Tell me about the life of honeybees in a hive.',
  'How can a small shop attract more customers?',
  'Describe the view from the top of a mountain at sunrise.',
  'What is the role of a product manager?',
  'Explain how a search engine finds pages.',
  'Give advice for someone moving to a new city alone.',
  'Describe how bread rises.',
  'Why do we have time zones?',
  'Write a short story about a lost umbrella.',
  'What are good habits for writing clean code?',
  'Explain the rules of chess to a beginner.',
  'How does recycling plastic work?',
  'Describe the job of a lighthouse keeper a century ago.',
  'What should I pack for a week-long camping trip?',
  'Explain why the sky is blue.',
  'Give ideas for a birthday party on a small budget.',
  'How do noise-cancelling headphones work?',
  'Describe a quiet library on a winter evening.',
  'What is the difference between a virus and a bacterium?',
  'Suggest ways to reduce food waste at home.',
  'Explain how a bill is split fairly among friends who ordered different things.',
  'Tell me about the first journey to the Moon.',
  'What makes a city pleasant to walk in?',
];

/** One neutral task per case, drawn with `seed`; case i always gets the same task for the same seed. */
export function drawTasks(cases: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: cases }, () => NEUTRAL_TASKS[Math.floor(random() * NEUTRAL_TASKS.length)] ?? '');
}
