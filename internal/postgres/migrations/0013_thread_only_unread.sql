-- A room's unread count leaves out the replies shown only in their thread
-- (chat.MyRoom.Unread): MyRooms counts those after each member's read
-- position through this index. It holds such replies alone, so a plain
-- message writes no entry in it.
CREATE INDEX messages_thread_only ON messages (room_id, seq) WHERE reply_to IS NOT NULL AND NOT also_to_room;
