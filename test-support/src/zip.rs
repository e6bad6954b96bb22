//! Zip archives for deployment packages, made in memory.

/// A zip archive holding one file, stored without compression (PKWARE APPNOTE 4.3).
pub fn stored_zip(name: &str, content: &[u8]) -> Vec<u8> {
    let crc = crc32fast::hash(content);
    let size = content.len() as u32;
    let name_len = name.len() as u16;
    let mut out = Vec::new();
    // Local file header.
    out.extend(0x0403_4b50u32.to_le_bytes());
    out.extend(20u16.to_le_bytes()); // version needed
    out.extend(0u16.to_le_bytes()); // flags
    out.extend(0u16.to_le_bytes()); // method: stored
    out.extend(0u16.to_le_bytes()); // time
    out.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(name_len.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // extra length
    out.extend(name.as_bytes());
    out.extend(content);
    let central_offset = out.len() as u32;
    // Central directory header.
    out.extend(0x0201_4b50u32.to_le_bytes());
    out.extend(20u16.to_le_bytes()); // made by
    out.extend(20u16.to_le_bytes()); // needed
    out.extend(0u16.to_le_bytes()); // flags
    out.extend(0u16.to_le_bytes()); // method
    out.extend(0u16.to_le_bytes()); // time
    out.extend(0x21u16.to_le_bytes()); // date
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(name_len.to_le_bytes());
    out.extend([0u8; 12]); // extra, comment, disk, internal and external attributes
    out.extend(0u32.to_le_bytes()); // local header offset
    out.extend(name.as_bytes());
    let central_size = out.len() as u32 - central_offset;
    // End of central directory.
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(central_size.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // comment length
    out
}

#[cfg(test)]
mod tests {
    use super::stored_zip;

    /// Python's zipfile module, an independent reader, tests the archive and reads it back.
    #[test]
    fn python_reads_the_archive() {
        let zip = stored_zip("index.py", b"def handler(e, c):\n    return e\n");
        let path = std::env::temp_dir().join(format!("stored-zip-{}.zip", std::process::id()));
        std::fs::write(&path, &zip).unwrap();
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; sys.stdout.write(z.read('index.py').decode())",
            ])
            .arg(&path)
            .output()
            .expect("python3 runs");
        std::fs::remove_file(&path).ok();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"def handler(e, c):\n    return e\n");
    }
}
