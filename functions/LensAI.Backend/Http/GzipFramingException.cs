namespace LensAI.Backend.Http;

/// <summary>
/// A gzip body that is not exactly one gzip stream (answered 400): bytes follow the end of its gzip data, or it ends
/// before its gzip data does (its last four bytes are not the inflated length).
/// </summary>
internal sealed class GzipFramingException(string message) : Exception(message);
