/** The line every answer drawn from health or medical content ends with. */
export const MEDICAL_DISCLAIMER = "本内容不能代替面诊，如有不适请尽快就医。";

/** A page's own disclaimer line, e.g. `提示:本内容不能代替面诊,如有不适请尽快就医。` (either comma/colon width). */
export const DISCLAIMER_LINE = /^\s*(?:提示\s*[:：]\s*)?本内容不能代替面诊/;
