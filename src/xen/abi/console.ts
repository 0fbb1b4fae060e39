// xencons_interface (xen/include/public/io/console.h): the PV console ring page.

export const XENCONS_IN = 0; // char in[1024]: host -> guest
export const XENCONS_IN_SIZE = 1024;
export const XENCONS_OUT = 1024; // char out[2048]: guest -> host
export const XENCONS_OUT_SIZE = 2048;
export const XENCONS_IN_CONS = 3072; // u32
export const XENCONS_IN_PROD = 3076; // u32
export const XENCONS_OUT_CONS = 3080; // u32
export const XENCONS_OUT_PROD = 3084; // u32
export const XENCONS_CONNECTION = 3088; // u8: 0 connected
export const XENCONS_INTERFACE_SIZE = 3092;
