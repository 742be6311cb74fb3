namespace LensAI.Backend.Storage;

/// <summary>A listed object.</summary>
public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified);
