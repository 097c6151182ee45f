using System.Collections.Generic;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Emitters;

/// <summary>A file an emitter produces, relative to the program's output folder ("/" separators): text, or binary (packet captures).</summary>
public sealed record GeneratedFile(string RelativePath, string Content)
{
    /// <summary>The file's bytes: <see cref="Content"/> in UTF-8 (no BOM) for text files.</summary>
    public byte[] Bytes { get; init; } = System.Text.Encoding.UTF8.GetBytes(Content);

    public static GeneratedFile Binary(string relativePath, byte[] bytes) => new(relativePath, "") { Bytes = bytes };

    public bool Equals(GeneratedFile? other) =>
        other is not null && RelativePath == other.RelativePath && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override int GetHashCode() => HashCode.Combine(RelativePath, Bytes.Length);
}

/// <summary>Lowers a model file to one target's program. Emitters read the model file and nothing else.</summary>
public interface IEmitter
{
    /// <summary>The target folder name ("bmv2", "taurus", ...).</summary>
    string Target { get; }

    /// <summary>Whether this target can run the model (by kind); the compiler skips emitters that cannot.</summary>
    bool Supports(ModelFile model);

    IReadOnlyList<GeneratedFile> Emit(ModelFile model);
}
