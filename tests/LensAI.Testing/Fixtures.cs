using System.Reflection;

namespace LensAI.Testing;

/// <summary>Points at ../shared/fixtures (resolved at build time).</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class SharedFixturesDirectoryAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

/// <summary>Reads the real provider recordings in ../shared/fixtures (never edited).</summary>
public static class Fixtures
{
    public static string Directory
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("LENSAI_SHARED_FIXTURES");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            var attr = Assembly.GetCallingAssembly().GetCustomAttribute<SharedFixturesDirectoryAttribute>()
                ?? AppDomain.CurrentDomain.GetAssemblies()
                    .Select(a => a.GetCustomAttribute<SharedFixturesDirectoryAttribute>())
                    .FirstOrDefault(a => a is not null);
            return attr?.Path ?? throw new InvalidOperationException("No SharedFixturesDirectory attribute.");
        }
    }

    public static string PathOf(string relative) => System.IO.Path.Combine(Directory, relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    public static string Text(string relative) => File.ReadAllText(PathOf(relative));
}
