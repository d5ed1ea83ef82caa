// Placeholder entry replaced by the host SDK (issue 6).
export {};
