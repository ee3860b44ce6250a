// The English text of the membership screens (rooms, direct messages,
// members), kept in one place so a translation can replace it whole.
// Older screens still have their text inline.

import type { Role, Visibility } from './types';

export const t = {
  // Sidebar
  rooms: 'Rooms',
  directMessages: 'Direct messages',
  browseRooms: 'Browse rooms',
  newDirectMessage: 'New direct message',
  noRoomsYet: 'No rooms yet. Browse or create one.',
  noDirectMessages: 'No direct messages yet.',
  noMatch: 'Nothing matches.',
  filterLabel: 'Filter rooms and people',
  privateRoom: 'Private room',
  publicRoom: 'Public room',
  directMessage: 'Direct message',
  aDirectMessage: 'a direct message', // announced: "Ada in a direct message: hi"
  unread: (n: number, mentions: number) => (mentions > 0 ? `${n} unread, ${mentions} mentioning you` : `${n} unread`),
  justYou: 'Just you',

  // Create room
  visibility: 'Who can find it',
  visibilityPublic: 'Public',
  visibilityPublicHint: 'Anyone can find it in the directory and join.',
  visibilityPrivate: 'Private',
  visibilityPrivateHint: 'Only people invited by its owners and moderators.',

  // Browse rooms
  browseTitle: 'Browse rooms',
  browseSubtitle: 'Public rooms on this server',
  searchRooms: 'Search rooms',
  join: 'Join',
  open: 'Open',
  joinRoom: (name: string) => `Join #${name}`,
  openRoom: (name: string) => `Open #${name}`,
  loadMore: 'Load more',
  loading: 'Loading…',
  noPublicRooms: 'No public rooms match.',
  couldNotLoad: 'Could not load. Try again.',
  joined: 'Joined',

  // Room view
  roomNotFound: 'Room not found.',
  roomNotFoundHint: 'It does not exist, or it is private and you are not a member.',
  backHome: 'Go to the start page',
  previewing: (name: string) => `You are reading #${name} without being a member.`,
  members: 'Members',
  showMembers: 'Show members',
  leaveRoom: 'Leave room',
  leaveConversation: 'Leave conversation',
  leftRoom: (name: string) => `You left ${name}.`,
  removedFromRoom: (name: string) => `You are no longer a member of ${name}.`,
  messageTo: (name: string) => `Message ${name}`,
  sendDirectMessage: (name: string) => `Send a direct message to ${name}`,

  // Members
  membersOf: (name: string) => `Members of ${name}`,
  backToRoom: 'Back to the conversation',
  role: { owner: 'Owner', moderator: 'Moderator', member: 'Member' } as Record<Role, string>,
  you: '(you)',
  roleOf: (name: string) => `Role of ${name}`,
  roleChanged: (name: string, role: string) => `${name} is now ${role.toLowerCase()}.`,
  remove: 'Remove',
  removeMember: (name: string) => `Remove ${name} from the room`,
  removedMember: (name: string) => `${name} was removed.`,
  message: 'Message',
  invitePeople: 'Invite people',
  invite: 'Invite',
  inviteUser: (name: string) => `Invite ${name}`,
  invited: (name: string) => `${name} was added.`,
  alreadyMember: 'Member',

  // People search and new DM
  searchPeople: 'Search people by username',
  noPeople: 'Nobody found.',
  selected: 'Selected',
  unselect: (name: string) => `Remove ${name} from the selection`,
  add: 'Add',
  select: (name: string) => `Add ${name}`,
  limitReached: 'Limit reached',
  dmLimit: (max: number) => `A direct message has at most ${max} other people.`,
  startConversation: 'Start conversation',
  dmHint: (max: number) => `Pick one person, or up to ${max} for a group conversation.`,

  // Connection
  offlineBanner: 'Offline — messages will be sent when you reconnect',
  reconnecting: 'Reconnecting…',
  reconnectingIn: (s: number) => `Reconnecting in ${s} s…`,
  retryNow: 'Retry now',
  sending: 'Sending…',
  waitingForConnection: 'Waiting for the connection…',
  notSent: (why: string) => `Not sent: ${why}`,
  retry: 'Retry',
  discard: 'Discard',

  visibilityLabel: { public: 'Public room', private: 'Private room', direct: 'Direct message' } as Record<Visibility, string>,
};
