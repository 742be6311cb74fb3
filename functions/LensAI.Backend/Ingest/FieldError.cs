namespace LensAI.Backend.Ingest;

/// <summary>One problem with one field of one event, as a JSON pointer and a message.</summary>
internal sealed record FieldError(string Pointer, string Message);
