package dataspace

// AppendKeyForTest exposes appendKey to the external tests.
var AppendKeyForTest = appendKey
