// msgpackr catches this and uses its JavaScript decoder (see tools/msgpackr-extract-disabled/package.json).
throw new Error('msgpackr native extraction is not installed');
