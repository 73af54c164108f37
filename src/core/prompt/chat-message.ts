/** One message of a chat completion request, as the prompt builds it and the model client sends it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
