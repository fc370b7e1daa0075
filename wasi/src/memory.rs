//! Guest memory access: bounds-checked reads and writes of scalars, byte
//! ranges and strings, and the iovec lists of the read/write calls.
//!
//! Every out-of-bounds access is `EFAULT`; nothing here panics on a guest
//! pointer. The iovec helpers hand host I/O the guest buffers themselves
//! (no copy, no allocation) through a fixed array of `IoSlice`s.

use crate::abi::IOVEC_SIZE;
use crate::errno::{Errno, WasiResult};
use std::io::{self, IoSlice, IoSliceMut};
use std::ops::Range;

/// How many iovecs one host call takes at most; longer lists are processed
/// in batches (writes) or one at a time (reads).
pub(crate) const MAX_IOVS: usize = 32;

/// A view of the calling instance's linear memory.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    pub(crate) fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    /// The byte range `[ptr, ptr + len)`, if it lies inside memory.
    fn range(&self, ptr: u32, len: u64) -> WasiResult<Range<usize>> {
        let start = ptr as u64;
        let end = start.checked_add(len).ok_or(Errno::FAULT)?;
        if end > self.bytes.len() as u64 {
            return Err(Errno::FAULT);
        }
        Ok(start as usize..end as usize)
    }

    pub(crate) fn check(&self, ptr: u32, len: u64) -> WasiResult {
        self.range(ptr, len).map(|_| ())
    }

    pub(crate) fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len as u64)?;
        Ok(&self.bytes[r])
    }

    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len as u64)?;
        Ok(&mut self.bytes[r])
    }

    /// A guest string; WASI strings are UTF-8 (`EILSEQ` otherwise).
    pub(crate) fn str(&self, ptr: u32, len: u32) -> WasiResult<&str> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::ILSEQ)
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let r = self.range(ptr, N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[r]);
        Ok(out)
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }

    pub(crate) fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> WasiResult {
        let r = self.range(ptr, data.len() as u64)?;
        self.bytes[r].copy_from_slice(data);
        Ok(())
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Reads the `(buf, len)` pairs of an iovec list, checking that the list
    /// and every buffer lie inside memory. Calls `each` in order.
    fn for_each_iovec(
        &self,
        iovs: u32,
        iovs_len: u32,
        mut each: impl FnMut(usize, Range<usize>),
    ) -> WasiResult {
        let list = self.range(iovs, iovs_len as u64 * IOVEC_SIZE as u64)?;
        for (i, entry) in self.bytes[list]
            .chunks_exact(IOVEC_SIZE as usize)
            .enumerate()
        {
            let ptr = u32::from_le_bytes(entry[0..4].try_into().unwrap());
            let len = u32::from_le_bytes(entry[4..8].try_into().unwrap());
            each(i, self.range(ptr, len as u64)?);
        }
        Ok(())
    }

    /// Hands the buffers of a `ciovec` list to `write` as `IoSlice`s, up to
    /// [`MAX_IOVS`] at a time, and returns the bytes written. A short write
    /// ends the call; an error after some bytes were written is reported as
    /// that partial count (as `writev` would).
    pub(crate) fn write_from_iovecs(
        &self,
        iovs: u32,
        iovs_len: u32,
        mut write: impl FnMut(&[IoSlice<'_>]) -> io::Result<usize>,
    ) -> WasiResult<usize> {
        // Validate the whole list first so a bad pointer late in the list
        // faults before any byte is written.
        self.for_each_iovec(iovs, iovs_len, |_, _| {})?;
        let mut batch = [IoSlice::new(&[]); MAX_IOVS];
        let mut total = 0usize;
        let mut start = 0u32;
        while start < iovs_len {
            let count = (iovs_len - start).min(MAX_IOVS as u32);
            let mut wanted = 0usize;
            self.for_each_iovec(iovs + start * IOVEC_SIZE, count, |i, r| {
                wanted += r.len();
                batch[i] = IoSlice::new(&self.bytes[r]);
            })?;
            let n = match write(&batch[..count as usize]) {
                Ok(n) => n,
                Err(e) if total == 0 => return Err(e.into()),
                Err(_) => break,
            };
            total += n;
            if n < wanted {
                break;
            }
            start += count;
        }
        Ok(total)
    }

    /// Hands the buffers of an `iovec` list to `read` as `IoSliceMut`s and
    /// returns the bytes read. Up to [`MAX_IOVS`] disjoint buffers go to one
    /// call; longer or overlapping lists are filled one buffer at a time
    /// until a short read.
    pub(crate) fn read_into_iovecs(
        &mut self,
        iovs: u32,
        iovs_len: u32,
        mut read: impl FnMut(&mut [IoSliceMut<'_>]) -> io::Result<usize>,
    ) -> WasiResult<usize> {
        let mut ranges: [Range<usize>; MAX_IOVS] = std::array::from_fn(|_| 0..0);
        let n = iovs_len as usize;
        if n <= MAX_IOVS {
            self.for_each_iovec(iovs, iovs_len, |i, r| ranges[i] = r)?;
            if let Some(mut slices) = disjoint_slices(self.bytes, &ranges[..n]) {
                return Ok(read(&mut slices[..n])?);
            }
        } else {
            self.for_each_iovec(iovs, iovs_len, |_, _| {})?;
        }
        // One buffer at a time.
        let mut total = 0usize;
        for i in 0..iovs_len {
            let mut r = 0..0;
            self.for_each_iovec(iovs + i * IOVEC_SIZE, 1, |_, range| r = range)?;
            let wanted = r.len();
            let got = match read(&mut [IoSliceMut::new(&mut self.bytes[r])]) {
                Ok(got) => got,
                Err(e) if total == 0 => return Err(e.into()),
                Err(_) => break,
            };
            total += got;
            if got < wanted {
                break;
            }
        }
        Ok(total)
    }
}

/// Splits `bytes` into mutable slices for `ranges` (kept in their order), or
/// `None` if two non-empty ranges overlap, which safe Rust cannot express.
fn disjoint_slices<'m>(
    bytes: &'m mut [u8],
    ranges: &[Range<usize>],
) -> Option<[IoSliceMut<'m>; MAX_IOVS]> {
    let mut order: [u8; MAX_IOVS] = std::array::from_fn(|i| i as u8);
    let order = &mut order[..ranges.len()];
    order.sort_unstable_by_key(|&i| ranges[i as usize].start);
    let mut end = 0;
    for &i in order.iter() {
        let r = &ranges[i as usize];
        if r.is_empty() {
            continue;
        }
        if r.start < end {
            return None;
        }
        end = r.end;
    }
    let mut slices: [IoSliceMut<'m>; MAX_IOVS] = std::array::from_fn(|_| IoSliceMut::new(&mut []));
    let mut rest = bytes;
    let mut consumed = 0;
    for &i in order.iter() {
        let r = &ranges[i as usize];
        if r.is_empty() {
            continue;
        }
        let tail = std::mem::take(&mut rest);
        let (_, tail) = tail.split_at_mut(r.start - consumed);
        let (buf, tail) = tail.split_at_mut(r.len());
        rest = tail;
        consumed = r.end;
        slices[i as usize] = IoSliceMut::new(buf);
    }
    Some(slices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn iovec(mem: &mut [u8], at: usize, ptr: u32, len: u32) {
        mem[at..at + 4].copy_from_slice(&ptr.to_le_bytes());
        mem[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
    }

    #[test]
    fn out_of_bounds_is_efault() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.read_u64(9), Err(Errno::FAULT));
        assert_eq!(mem.write_u32(u32::MAX, 1), Err(Errno::FAULT));
        assert_eq!(mem.slice(8, 9).err(), Some(Errno::FAULT));
        assert!(mem.slice(16, 0).is_ok());
        iovec(&mut bytes, 0, 4, 100);
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(
            mem.write_from_iovecs(0, 1, |_| Ok(0)).err(),
            Some(Errno::FAULT)
        );
    }

    #[test]
    fn scatter_read_in_guest_order() {
        let mut bytes = vec![0u8; 64];
        // Two iovecs, the second one lower in memory than the first.
        iovec(&mut bytes, 0, 40, 3);
        iovec(&mut bytes, 8, 20, 4);
        let mut mem = GuestMemory::new(&mut bytes);
        let mut src = &b"abcdefgh"[..];
        let n = mem
            .read_into_iovecs(0, 2, |bufs| src.read_vectored(bufs))
            .unwrap();
        assert_eq!(n, 7);
        assert_eq!(&bytes[40..43], b"abc");
        assert_eq!(&bytes[20..24], b"defg");
    }

    #[test]
    fn overlapping_reads_fall_back_to_one_at_a_time() {
        let mut bytes = vec![0u8; 64];
        iovec(&mut bytes, 0, 20, 4);
        iovec(&mut bytes, 8, 22, 4);
        let mut mem = GuestMemory::new(&mut bytes);
        let mut src = &b"abcdefgh"[..];
        let n = mem
            .read_into_iovecs(0, 2, |bufs| src.read_vectored(bufs))
            .unwrap();
        assert_eq!(n, 8);
        assert_eq!(&bytes[20..26], b"abefgh");
    }

    #[test]
    fn gather_write_in_batches() {
        let mut bytes = vec![0u8; 1024];
        let count = MAX_IOVS as u32 + 5;
        for i in 0..count {
            bytes[600 + i as usize] = b'a' + (i % 26) as u8;
            iovec(&mut bytes, 8 * i as usize, 600 + i, 1);
        }
        let mem = GuestMemory::new(&mut bytes);
        let mut out = Vec::new();
        let mut calls = 0;
        let n = mem
            .write_from_iovecs(0, count, |bufs| {
                calls += 1;
                out.write_vectored(bufs)
            })
            .unwrap();
        assert_eq!(n, count as usize);
        assert_eq!(calls, 2);
        assert_eq!(&out[..3], b"abc");
    }
}
