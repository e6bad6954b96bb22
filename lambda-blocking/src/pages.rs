//! Pagination as iterators.

use std::collections::VecDeque;

use lambda_proto::paginate::{Paginated, Paginator};
use lambda_proto::Error;

use crate::Client;

impl Client {
    /// The pages of a paginated operation, starting at the page the input's marker names.
    ///
    /// Each page is one call (with retries); the iterator stops after the last page or the
    /// first error. [`Pages::items`] flattens the pages into their items.
    pub fn paginate<O: Paginated>(&self, op: O) -> Pages<'_, O>
    where
        O::Output: Clone,
    {
        Pages {
            client: self,
            paginator: Paginator::new(op),
        }
    }
}

/// Iterator over the pages of a paginated operation; see [`Client::paginate`].
#[derive(Debug)]
pub struct Pages<'c, O: Paginated> {
    client: &'c Client,
    paginator: Paginator<O>,
}

impl<'c, O: Paginated> Pages<'c, O>
where
    O::Output: Clone,
{
    /// Asks for pages of `size` items (`MaxItems`); the service may send fewer.
    pub fn page_size(mut self, size: i32) -> Self {
        if let Some(op) = self.paginator.next_request().cloned() {
            self.paginator = Paginator::with_page_size(op, size);
        }
        self
    }

    /// The items of all pages, in order.
    pub fn items(self) -> Items<'c, O> {
        Items {
            pages: self,
            buffer: VecDeque::new(),
        }
    }
}

impl<O: Paginated> Iterator for Pages<'_, O>
where
    O::Output: Clone,
{
    type Item = Result<O::Output, Error<O::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        let op = self.paginator.next_request()?;
        match self.client.send_ref(op) {
            Ok(page) => {
                // The paginator decides on the next token (and guards against repeats).
                let _ = self.paginator.on_page(page.clone());
                Some(Ok(page))
            }
            Err(err) => {
                self.paginator.stop();
                Some(Err(err))
            }
        }
    }
}

impl<O: Paginated> std::iter::FusedIterator for Pages<'_, O> where O::Output: Clone {}

/// Iterator over the items of all pages; see [`Pages::items`].
#[derive(Debug)]
pub struct Items<'c, O: Paginated> {
    pages: Pages<'c, O>,
    buffer: VecDeque<O::Item>,
}

impl<O: Paginated> Iterator for Items<'_, O>
where
    O::Output: Clone,
{
    type Item = Result<O::Item, Error<O::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            match self.pages.next()? {
                Ok(page) => self.buffer.extend(O::into_items(page)),
                Err(err) => return Some(Err(err)),
            }
        }
    }
}

impl<O: Paginated> std::iter::FusedIterator for Items<'_, O> where O::Output: Clone {}
