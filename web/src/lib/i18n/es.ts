// El catálogo en español (same keys and arguments as en.ts).

import type { Role, Visibility } from '../types';
import type { Catalog } from './en';

export const es: Catalog = {
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
  createRoom: 'Create room',
  couldNotCreateRoom: 'Could not create the room.',
  cancel: 'Cancel',
  create: 'Create',
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

  // Sign in / sign up
  signIn: 'Sign in',
  createAccount: 'Create account',
  account: 'Account',
  signInIntro: 'Welcome back. Sign in to continue.',
  signUpIntro: 'Create your account to start chatting.',
  usernameHint: 'Usernames use a–z, 0–9, “_”, “.” and “-”.',
  emailHint: 'We will e-mail you a link to confirm your address.',
  passwordHint: 'At least 10 characters and hard to guess (not your name or e-mail; a few unrelated words work well).',
  pleaseWait: 'Please wait…',

  // Forms
  fieldUsername: 'Username',
  fieldDisplayName: 'Display name',
  fieldEmail: 'E-mail',
  fieldPassword: 'Password',
  fieldRoomName: 'Room name',
  fieldTopic: 'Topic',
  optional: '(optional)',
  required: (field: string) => `${field} is required.`,
  lengthBetween: (field: string, min: number, max: number) => `${field} must be ${min} to ${max} characters.`,
  tooLong: (field: string, max: number) => `${field} must be at most ${max} characters.`,
  usernameChars: (field: string) => `${field} may contain only a–z, 0–9, “_”, “.” and “-”.`,
  emailForm: (field: string) => `${field} must be a plain address such as ada@example.org.`,
  passwordShort: (field: string, min: number) => `${field} must be at least ${min} characters.`,
  passwordSpaces: (field: string) => `${field} must not be only spaces.`,
  passwordPersonal: (field: string) => `${field} must not contain your username, name or e-mail address.`,
  serverField: (field: string, message: string) => `${field}: ${message}`,
  fixFields: (n: number) => (n === 1 ? 'Please fix the field marked below.' : `Please fix the ${n} fields marked below.`),
  somethingWrong: 'Something went wrong.',
  counter: (n: number, max: number) => `${n} / ${max} characters`,
};

