// Package images measures and thumbnails the image formats OpenChat shows
// inline (PNG, JPEG, GIF, WebP): chat.Images on the standard library's
// decoders, golang.org/x/image/webp and github.com/disintegration/imaging.
package images

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"

	"github.com/open-chat/openchat/internal/chat"
)

// MaxPixels bounds the images decoded for a thumbnail: a small file can
// declare a huge canvas (a decompression bomb); such images keep their
// dimensions but get no thumbnail (clients show the original, scaled).
const MaxPixels = 50_000_000

// Images is chat.Images.
type Images struct{}

var _ chat.Images = Images{}

// decoders by sniffed type; registering with image.RegisterFormat would be a
// global side effect, so each is called directly.
func config(b []byte) (image.Config, string, error) {
	r := bytes.NewReader(b)
	switch ct := chat.SniffType(b); ct {
	case "image/png":
		c, err := png.DecodeConfig(r)
		return c, ct, err
	case "image/jpeg":
		c, err := jpeg.DecodeConfig(r)
		return c, ct, err
	case "image/gif":
		c, err := gif.DecodeConfig(r)
		return c, ct, err
	case "image/webp":
		c, err := webp.DecodeConfig(r)
		return c, ct, err
	default:
		return image.Config{}, ct, fmt.Errorf("not an image: %s", ct)
	}
}

func decode(b []byte, ct string) (image.Image, error) {
	r := bytes.NewReader(b)
	switch ct {
	case "image/png":
		return png.Decode(r)
	case "image/jpeg":
		return jpeg.Decode(r)
	case "image/gif":
		return gif.Decode(r) // the first frame
	case "image/webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("not an image: %s", ct)
}

// Config implements chat.Images.
func (Images) Config(b []byte) (int, int, error) {
	c, _, err := config(b)
	if err != nil {
		return 0, 0, err
	}
	if c.Width <= 0 || c.Height <= 0 {
		return 0, 0, fmt.Errorf("image has no pixels")
	}
	return c.Width, c.Height, nil
}

// Thumbnail implements chat.Images: the image scaled (Lanczos) to fit
// maxSide, as PNG for PNG and GIF (which may be transparent) and as JPEG
// (quality 85) for the rest. EXIF orientation is applied, since the
// thumbnail carries no metadata of its own.
func (Images) Thumbnail(b []byte, maxSide int) ([]byte, string, error) {
	c, ct, err := config(b)
	if err != nil {
		return nil, "", err
	}
	if c.Width*c.Height > MaxPixels {
		return nil, "", fmt.Errorf("image too large to thumbnail: %dx%d", c.Width, c.Height)
	}
	var img image.Image
	if ct == "image/jpeg" {
		img, err = imaging.Decode(bytes.NewReader(b), imaging.AutoOrientation(true))
	} else {
		img, err = decode(b, ct)
	}
	if err != nil {
		return nil, "", fmt.Errorf("decode image: %w", err)
	}
	img = imaging.Fit(img, maxSide, maxSide, imaging.Lanczos)
	var out bytes.Buffer
	if ct == "image/png" || ct == "image/gif" {
		err = png.Encode(&out, img)
		ct = "image/png"
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85})
		ct = "image/jpeg"
	}
	if err != nil {
		return nil, "", fmt.Errorf("encode thumbnail: %w", err)
	}
	return out.Bytes(), ct, nil
}
