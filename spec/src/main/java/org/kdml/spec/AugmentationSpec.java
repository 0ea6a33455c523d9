package org.kdml.spec;

/**
 * Seeded training-time augmentation, each transform switchable (all off by default). Applied to the
 * image and, for segmentation, its mask together.
 *
 * @param hflip random horizontal flip (p = 0.5)
 * @param vflip random vertical flip (p = 0.5)
 * @param transpose random transpose of the two spatial axes (p = 0.5)
 * @param rotate maximum rotation in degrees, uniform in [-rotate, rotate] (0 = off, ≤ 180)
 * @param shift maximum shift as a fraction of the side, per axis (0 = off, < 0.5)
 * @param scale maximum relative zoom, uniform in [1-scale, 1+scale] (0 = off, < 1)
 */
public record AugmentationSpec(Boolean hflip, Boolean vflip, Boolean transpose, Double rotate, Double shift,
        Double scale) {

    /** Applies defaults and validates. */
    public AugmentationSpec {
        hflip = hflip != null && hflip;
        vflip = vflip != null && vflip;
        transpose = transpose != null && transpose;
        rotate = rotate == null ? 0.0 : rotate;
        shift = shift == null ? 0.0 : shift;
        scale = scale == null ? 0.0 : scale;
        SpecException.check(rotate >= 0 && rotate <= 180, "dataset.augmentation.rotate",
                "must be in [0, 180] degrees, got " + rotate);
        SpecException.check(shift >= 0 && shift < 0.5, "dataset.augmentation.shift", "must be in [0, 0.5), got " + shift);
        SpecException.check(scale >= 0 && scale < 1, "dataset.augmentation.scale", "must be in [0, 1), got " + scale);
    }

    /** @return no augmentation */
    public static AugmentationSpec none() {
        return new AugmentationSpec(null, null, null, null, null, null);
    }

    /** @return whether any transform is on */
    public boolean any() {
        return hflip || vflip || transpose || rotate > 0 || shift > 0 || scale > 0;
    }
}
