/** A compression worker whose module throws as it loads. */
throw new Error('this worker cannot start')
