/** Sent as `CLIENT SETINFO LIB-NAME`/`LIB-VER`. A unit test keeps LIBRARY_VERSION equal to package.json's. */
export const LIBRARY_NAME = 'respool';
export const LIBRARY_VERSION = '0.1.0';
