/**
 * One message of a chat completion request. The model client declares the same shape; structural
 * typing keeps the two interchangeable without either module importing the other.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
