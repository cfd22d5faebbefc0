export interface TopicDefinition {
  name: string;
  createdAt: number;
}

export interface Binding {
  topic: string;
  queue: string;
}
