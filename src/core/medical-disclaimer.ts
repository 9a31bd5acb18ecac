/** The line every answer drawn from health or medical content ends with. */
export const MEDICAL_DISCLAIMER = "本内容不能代替面诊，如有不适请尽快就医。";
