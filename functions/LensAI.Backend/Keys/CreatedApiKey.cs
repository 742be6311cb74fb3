using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Keys;

/// <summary>A key as created: the secret is shown once and never stored.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyRecord Record);
