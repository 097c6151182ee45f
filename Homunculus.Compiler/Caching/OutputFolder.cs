using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Homunculus.Compiler.Caching;

/// <summary>
/// Writes a program's outputs into its folder: only files whose content changed are rewritten (so
/// MSBuild and the source generator see unchanged timestamps), each atomically, and files written by
/// an earlier compilation that are no longer produced are removed.
/// </summary>
public static class OutputFolder
{
    public const string ManifestName = ".homunculus-outputs";

    public static void Write(string folder, IReadOnlyDictionary<string, byte[]> files)
    {
        Directory.CreateDirectory(folder);
        string manifestPath = Path.Combine(folder, ManifestName);
        var previous = File.Exists(manifestPath) ? File.ReadAllLines(manifestPath) : [];
        foreach (var (relative, content) in files) WriteIfChanged(Path.Combine(folder, relative), content);
        foreach (var stale in previous.Where(p => p.Length > 0 && !files.ContainsKey(p)))
        {
            string path = Path.Combine(folder, stale);
            if (File.Exists(path)) File.Delete(path);
        }
        WriteIfChanged(manifestPath, string.Join("\n", files.Keys.OrderBy(k => k, StringComparer.Ordinal)) + "\n");
    }

    public static void WriteIfChanged(string path, string content) =>
        WriteIfChanged(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));

    public static void WriteIfChanged(string path, byte[] bytes)
    {
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
