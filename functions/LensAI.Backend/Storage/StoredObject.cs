namespace LensAI.Backend.Storage;

/// <summary>An object's content and ETag.</summary>
public sealed record StoredObject(byte[] Content, string ETag);
