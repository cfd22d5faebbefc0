export type ResourceType = 'queue' | 'topic';
export type GrantAction = 'send_to_queue' | 'receive' | 'administer_queue' | 'send_to_topic';

export interface Grant {
  resource: { type: ResourceType; name: string };
  subject: string;
  action: GrantAction;
  grantedBy: string;
  grantedAt: string;
}
