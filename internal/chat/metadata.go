package chat

import (
	"bytes"
	"encoding/binary"
	"net/http"
)

// SniffType returns the type of a file from its first bytes (the WHATWG
// sniffing algorithm), never from what the client claims.
func SniffType(head []byte) string { return http.DetectContentType(head) }

// StripMetadata removes the metadata blocks that can carry where a photo
// was taken (EXIF with its GPS tags, XMP) from a JPEG, PNG or WebP, without
// re-encoding the image. A JPEG keeps its EXIF orientation, rewritten as
// the only tag, so photos still show upright. Other types, and files the
// walk cannot follow, come back unchanged: they are served as downloads or
// fail to decode anyway.
func StripMetadata(contentType string, b []byte) []byte {
	switch contentType {
	case "image/jpeg":
		return stripJPEG(b)
	case "image/png":
		return stripPNG(b)
	case "image/webp":
		return stripWebP(b)
	}
	return b
}

// stripJPEG drops APP1 segments (EXIF, XMP) before the image data.
func stripJPEG(b []byte) []byte {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	orientation := uint16(0)
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return b
		}
		marker := b[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan: the rest is image data
			break
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		end := i + 2 + n
		if n < 2 || end > len(b) {
			return b
		}
		seg := b[i:end]
		if marker == 0xE1 {
			if o := exifOrientation(seg[4:]); o > 1 {
				orientation = o
			}
		} else {
			out = append(out, seg...)
		}
		i = end
	}
	if orientation > 1 {
		out = append(out[:2], append(orientationAPP1(orientation), out[2:]...)...)
	}
	return append(out, b[i:]...)
}

// exifOrientation reads tag 0x0112 of IFD0 from an APP1 payload, or 0.
func exifOrientation(p []byte) uint16 {
	if !bytes.HasPrefix(p, []byte("Exif\x00\x00")) || len(p) < 14 {
		return 0
	}
	t := p[6:]
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			return bo.Uint16(t[e+8:])
		}
	}
	return 0
}

// orientationAPP1 is an EXIF segment whose only tag is the orientation.
func orientationAPP1(o uint16) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0, // orientation, SHORT, count 1
		0, 0, 0, 0} // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// stripPNG drops eXIf chunks and iTXt chunks (where XMP lives).
func stripPNG(b []byte) []byte {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(b, []byte(sig)) {
		return b
	}
	out := append(make([]byte, 0, len(b)), sig...)
	for i := len(sig); i < len(b); {
		if i+12 > len(b) {
			return b
		}
		n := int(binary.BigEndian.Uint32(b[i:]))
		end := i + 12 + n
		if n < 0 || end > len(b) || end < i {
			return b
		}
		switch string(b[i+4 : i+8]) {
		case "eXIf", "iTXt":
		default:
			out = append(out, b[i:end]...)
		}
		i = end
	}
	return out
}

// stripWebP drops the EXIF and XMP chunks and clears their flags in VP8X.
func stripWebP(b []byte) []byte {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return b
	}
	out := append(make([]byte, 0, len(b)), b[:12]...)
	for i := 12; i < len(b); {
		if i+8 > len(b) {
			return b
		}
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		end := i + 8 + n + n%2 // chunks are padded to an even size
		if n < 0 || end > len(b) || end < i {
			return b
		}
		switch string(b[i : i+4]) {
		case "EXIF", "XMP ":
		case "VP8X":
			chunk := append([]byte(nil), b[i:end]...)
			if len(chunk) > 8 {
				chunk[8] &^= 0x08 | 0x04 // EXIF and XMP present
			}
			out = append(out, chunk...)
		default:
			out = append(out, b[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}
